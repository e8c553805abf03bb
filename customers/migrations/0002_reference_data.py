from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import sync_role_groups

# GB/T 4754-2017 国民经济行业分类, sections A–T.
INDUSTRY_SECTIONS = [
    ("A", "Agriculture, forestry, animal husbandry and fishery", "农、林、牧、渔业"),
    ("B", "Mining", "采矿业"),
    ("C", "Manufacturing", "制造业"),
    ("D", "Electricity, heat, gas and water supply", "电力、热力、燃气及水生产和供应业"),
    ("E", "Construction", "建筑业"),
    ("F", "Wholesale and retail trade", "批发和零售业"),
    ("G", "Transport, storage and postal services", "交通运输、仓储和邮政业"),
    ("H", "Accommodation and catering", "住宿和餐饮业"),
    ("I", "Information transmission, software and IT services", "信息传输、软件和信息技术服务业"),
    ("J", "Finance", "金融业"),
    ("K", "Real estate", "房地产业"),
    ("L", "Leasing and business services", "租赁和商务服务业"),
    ("M", "Scientific research and technical services", "科学研究和技术服务业"),
    ("N", "Water, environment and public facilities management", "水利、环境和公共设施管理业"),
    ("O", "Resident services, repair and other services", "居民服务、修理和其他服务业"),
    ("P", "Education", "教育"),
    ("Q", "Health and social work", "卫生和社会工作"),
    ("R", "Culture, sports and entertainment", "文化、体育和娱乐业"),
    ("S", "Public administration, social security and social organisations",
     "公共管理、社会保障和社会组织"),
    ("T", "International organisations", "国际组织"),
]

# Higher risk, more frequent contact (days between revisits).
REVISIT_CADENCE = {"high": 30, "medium": 90, "low": 180}


def seed(apps, schema_editor):
    industry_model = apps.get_model("customers", "Industry")
    for code, name_en, name_zh in INDUSTRY_SECTIONS:
        industry_model.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_zh": name_zh}
        )
    cadence_model = apps.get_model("customers", "RevisitCadence")
    for level, days in REVISIT_CADENCE.items():
        cadence_model.objects.get_or_create(risk_level=level, defaults={"days": days})
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
