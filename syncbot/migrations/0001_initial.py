from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='IdempotencyConflict',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(db_index=True, max_length=255)),
                ('attempted', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('actor', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_conflict', 'app': 'syncbot', 'pk_attr': 'id', 'table_description': 'A refused reuse of a key with different content, kept for whoever investigates.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=255)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('posting', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_key', 'app': 'syncbot', 'pk_attr': 'key', 'table_description': 'The unique key of one posting and a fingerprint of its content.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Location',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'location', 'app': 'syncbot', 'pk_attr': 'name'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('sku', fields.CharField(db_index=True, max_length=128)),
                ('payload', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('delivered_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_event', 'app': 'syncbot', 'pk_attr': 'id', 'table_description': 'Ledger events written with the posting. Consumers mark them delivered after acting.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Sku',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('name', fields.CharField(default='', max_length=255)),
                ('reorder_point', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sku', 'app': 'syncbot', 'pk_attr': 'code'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Balance',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sku', fields.ForeignKeyField('syncbot.Sku', source_field='sku_id', db_constraint=True, to_field='code', related_name='balances', on_delete=OnDelete.RESTRICT)),
                ('location', fields.ForeignKeyField('syncbot.Location', source_field='location_id', db_constraint=True, to_field='name', related_name='balances', on_delete=OnDelete.RESTRICT)),
                ('bucket', fields.CharField(max_length=32)),
                ('quantity', fields.BigIntField(default=0)),
            ],
            options={'table': 'balance', 'app': 'syncbot', 'unique_together': (('sku', 'location', 'bucket'),), 'pk_attr': 'id', 'table_description': 'One row per SKU, location and bucket: "how many" is one indexed read, never a sum.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Movement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('posting', fields.UUIDField(db_index=True)),
                ('idempotency_key', fields.CharField(null=True, db_index=True, max_length=255)),
                ('kind', fields.CharField(max_length=32)),
                ('sku', fields.ForeignKeyField('syncbot.Sku', source_field='sku_id', db_constraint=True, to_field='code', related_name='movements', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.BigIntField()),
                ('source_location', fields.CharField(max_length=64)),
                ('source_bucket', fields.CharField(max_length=32)),
                ('destination_location', fields.CharField(max_length=64)),
                ('destination_bucket', fields.CharField(max_length=32)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('forced', fields.BooleanField(default=False)),
                ('counted_on_hand', fields.BigIntField(null=True)),
                ('reverses', fields.BigIntField(null=True)),
                ('actor', fields.CharField(default='', max_length=255)),
                ('document', fields.CharField(default='', max_length=500)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'movement', 'app': 'syncbot', 'indexes': [Index(fields=['sku_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One double-entry line. Rows are only ever inserted, and a correction is a new movement.'},
            bases=['Model'],
        ),
    ]
