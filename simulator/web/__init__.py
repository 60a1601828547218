"""The local contact center in the browser: one server for the web phone, the payment portal and
the agent dashboard, with server-sent events for what happens live."""
