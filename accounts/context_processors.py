from accounts.navigation import navigation_for
from accounts.two_factor import pending_step


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"navigation": [], "second_factor_pending": False}
    # Mid-log-in (the second factor still due) every link would lead back to that step.
    if pending_step(user) is not None:
        return {"navigation": [], "second_factor_pending": True}
    return {"navigation": navigation_for(user, request.path), "second_factor_pending": False}
