from django.urls import reverse


def test_assessment_page_prefills_and_saves(client_for, alice, graded_customer):
    client = client_for(alice)
    url = reverse("credit:assess", args=[graded_customer.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"monthly_income": "15000", "character": "5", "character__comment": ""}
    )
    assert "Explain this expert score" in response.content.decode()
    response = client.post(
        url,
        {"monthly_income": "15000", "character": "5", "character__comment": "Long relationship"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Reproduced from its inputs" in page
