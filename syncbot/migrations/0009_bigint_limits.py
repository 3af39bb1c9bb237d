"""Hand-written: counts that can grow are BIGINT, so SQLite and PostgreSQL hold the same.

SQLite's INTEGER already holds 64 bits, so only PostgreSQL's columns change (an int4 would
refuse a reorder point of 99,999,999,999 that SQLite stores). Tortoise cannot alter a
column's type by itself, so each AlterField here moves the model state and runs its SQL.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State


class WidenToBigint(ops.AlterField):
    """Alters an integer column to BIGINT (back to INTEGER in reverse) on PostgreSQL."""

    def __init__(self, model_name: str, name: str, table: str, *, null: bool) -> None:
        field = fields.BigIntField(null=True) if null else fields.BigIntField()
        super().__init__(model_name, name, field)
        self.table = table

    async def _retype(self, editor: BaseSchemaEditor | None, sql_type: str) -> None:
        if editor is None or editor.DIALECT == "sqlite":
            return
        await editor.client.execute_script(
            f"ALTER TABLE {self.table} ALTER COLUMN {self.name} TYPE {sql_type}"
        )

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        await self._retype(state_editor, "BIGINT")

    async def database_backward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        await self._retype(state_editor, "INTEGER")


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0008_push_abandonment")]

    initial = False

    operations = [
        WidenToBigint("Sku", "reorder_point", "sku", null=True),
        WidenToBigint("ParkedLine", "quantity", "parked_line", null=False),
    ]
