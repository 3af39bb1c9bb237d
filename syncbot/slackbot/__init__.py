"""The Slack bot: stock answers and adjustments from the warehouse floor, alerts, App Home."""
