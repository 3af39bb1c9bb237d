"""The web console: server-rendered pages for the people who run the stock."""
