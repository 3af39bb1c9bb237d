from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('syncbot', '0002_movement_guards')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InboxDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=64)),
                ('event_id', fields.CharField(max_length=255)),
                ('topic', fields.CharField(max_length=128)),
                ('headers', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('body', fields.BinaryField()),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('processed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'inbox_delivery', 'app': 'syncbot', 'unique_together': (('channel', 'event_id'),), 'pk_attr': 'id', 'table_description': 'A verified webhook delivery, kept raw until it is processed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=64)),
                ('order_id', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('state', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_record', 'app': 'syncbot', 'unique_together': (('channel', 'order_id'),), 'pk_attr': 'id', 'table_description': 'What the ledger has applied for one storefront order, and its latest snapshot.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ParkedLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=64)),
                ('order_id', fields.CharField(max_length=64)),
                ('line_id', fields.CharField(max_length=64)),
                ('sku', fields.CharField(db_index=True, max_length=128)),
                ('quantity', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'parked_line', 'app': 'syncbot', 'unique_together': (('channel', 'order_id', 'line_id'),), 'pk_attr': 'id', 'table_description': 'An order or return line that could not be applied: no SKU, or one syncbot lacks.'},
            bases=['Model'],
        ),
    ]
