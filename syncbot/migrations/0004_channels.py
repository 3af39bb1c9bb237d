from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('syncbot', '0003_orders_and_inbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ChannelCursor',
            fields=[
                ('channel', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('orders_updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('caught_up_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'channel_cursor', 'app': 'syncbot', 'pk_attr': 'channel', 'table_description': "Where a channel's order catch-up resumes: the newest order update it has read."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChannelListing',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=64)),
                ('sku', fields.CharField(db_index=True, max_length=128)),
                ('listing_id', fields.CharField(max_length=255)),
                ('inventory_id', fields.CharField(max_length=255)),
                ('discovered_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'channel_listing', 'app': 'syncbot', 'unique_together': (('channel', 'inventory_id'),), 'pk_attr': 'id', 'table_description': 'One SKU as a channel lists it, with the ids its inventory API needs.'},
            bases=['Model'],
        ),
    ]
