"""Hand-written: the database itself refuses to change or delete a movement, or to store a
non-positive quantity. Tortoise's autodetector cannot express triggers or check constraints."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

SQLITE = [
    """CREATE TRIGGER movement_no_update BEFORE UPDATE ON movement
       BEGIN SELECT RAISE(ABORT, 'movements are immutable'); END""",
    """CREATE TRIGGER movement_no_delete BEFORE DELETE ON movement
       BEGIN SELECT RAISE(ABORT, 'movements are immutable'); END""",
    """CREATE TRIGGER movement_positive_quantity BEFORE INSERT ON movement
       WHEN NEW.quantity <= 0
       BEGIN SELECT RAISE(ABORT, 'movement quantity must be positive'); END""",
]

POSTGRES = [
    "ALTER TABLE movement ADD CONSTRAINT movement_positive_quantity CHECK (quantity > 0)",
    """CREATE FUNCTION movement_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'movements are immutable'; END $$""",
    """CREATE TRIGGER movement_no_change BEFORE UPDATE OR DELETE ON movement
       FOR EACH ROW EXECUTE FUNCTION movement_immutable()""",
]


async def add_guards(apps: object, schema_editor: BaseSchemaEditor) -> None:
    statements = SQLITE if schema_editor.DIALECT == "sqlite" else POSTGRES
    for statement in statements:
        await schema_editor.client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0001_initial")]

    operations = [ops.RunPython(add_guards)]
