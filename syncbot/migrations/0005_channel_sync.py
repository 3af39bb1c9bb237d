from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('syncbot', '0004_channels')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ChannelHealth',
            fields=[
                ('channel', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('synced_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('error', fields.TextField(null=True, unique=False)),
                ('error_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failures', fields.IntField(default=0)),
                ('drift_checked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'channel_health', 'app': 'syncbot', 'pk_attr': 'channel', 'table_description': "How a channel's last sync and drift check went, for the CLI, the API and alerts."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ListingPush',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=64)),
                ('sku', fields.CharField(max_length=128)),
                ('inventory_id', fields.CharField(max_length=255)),
                ('batch', fields.UUIDField()),
                ('idempotency_key', fields.CharField(unique=True, max_length=64)),
                ('quantity', fields.BigIntField()),
                ('expected', fields.BigIntField(null=True)),
                ('explanation', fields.CharField(default='', max_length=500)),
                ('watermark', fields.BigIntField()),
                ('status', fields.CharField(default='sending', max_length=16)),
                ('acknowledged', fields.BigIntField(null=True)),
                ('error', fields.TextField(null=True, unique=False)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'listing_push', 'app': 'syncbot', 'indexes': [Index(fields=['channel', 'status']), Index(fields=['channel', 'inventory_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One planned change of one listing, recorded before it is sent and finished after.'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='ChannelListing',
            options={'table': 'channel_listing', 'app': 'syncbot', 'unique_together': (('channel', 'inventory_id'),), 'pk_attr': 'id', 'table_description': 'One SKU as a channel lists it, the ids its inventory API needs, and its sync state.'},
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='channel_quantity',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='drift',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='drift_checked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='held_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='push_watermark',
            field=fields.BigIntField(default=0),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='pushed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='pushed_quantity',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='quarantined_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='quarantined_error',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='ChannelListing',
            name='read_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
