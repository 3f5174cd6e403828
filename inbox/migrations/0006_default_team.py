"""Upgrading loses no one's inbox: before teams every agent saw every brand, so an install
that already has agents gets one team, "Everyone", covering all its brands with all its
agents in it. Staff users' profiles become admins (they see every brand anyway)."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    AgentProfile = apps.get_model("inbox", "AgentProfile")
    Brand = apps.get_model("channels", "Brand")
    Team = apps.get_model("inbox", "Team")
    AgentProfile.objects.filter(user__is_staff=True).update(role="admin")
    AgentProfile.objects.filter(user__is_superuser=True).update(role="admin")
    user_ids = list(AgentProfile.objects.exclude(role="admin").values_list("user_id", flat=True))
    if not user_ids or Team.objects.exists():
        return
    team = Team.objects.create(name="Everyone")
    team.brands.set(Brand.objects.all())
    team.members.set(user_ids)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0005_teams_and_roles"),
        ("channels", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
