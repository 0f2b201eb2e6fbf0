from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0006_board_job_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkrun",
            name="summary",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
