"""The BigCommerce connector: V2 orders and V3 catalog and inventory through its REST API."""
