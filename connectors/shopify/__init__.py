"""The Shopify connector: webhook verification and the Admin GraphQL API."""
