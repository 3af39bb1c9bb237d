"""Generated, then one hand-written step: each barcode's kind (issue 15), `gtin` or
`internal`. Barcodes stored before check digits existed are classified: a GTIN-shaped code
with a right check digit becomes `gtin`; every other code, a wrong check digit included,
stays `internal`, shown as such by `sku barcode list`, never deleted."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from syncbot.ledger.barcodes import BadCheckDigit, BarcodeKind, barcode_kind


async def classify(apps: object, schema_editor: BaseSchemaEditor) -> None:
    _, rows = await schema_editor.client.execute_query("SELECT id, barcode FROM sku_barcode")
    gtins = []
    for row in rows:
        try:
            if barcode_kind(str(row["barcode"])) is BarcodeKind.GTIN:
                gtins.append(int(row["id"]))
        except BadCheckDigit:
            continue
    for start in range(0, len(gtins), 500):
        # The ids are integers read from the table just now: nothing typed goes into SQL.
        ids = ", ".join(str(row_id) for row_id in gtins[start : start + 500])
        await schema_editor.client.execute_script(
            f"UPDATE sku_barcode SET kind = 'gtin' WHERE id IN ({ids})"
        )


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0017_stocktakes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="SkuBarcode",
            name="kind",
            field=fields.CharField(default="internal", db_default="internal", max_length=16),
        ),
        ops.RunPython(classify),
    ]
