from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('syncbot', '0005_channel_sync')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AlertSent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=64)),
                ('subject', fields.CharField(max_length=255)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'alert_sent', 'app': 'syncbot', 'unique_together': (('kind', 'subject'),), 'pk_attr': 'id', 'table_description': 'When an alert of a kind was last posted for a subject (a SKU, or a channel).'},
            bases=['Model'],
        ),
    ]
