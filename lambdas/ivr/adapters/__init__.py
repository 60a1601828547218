"""Everything that talks to something outside: DynamoDB, Connect, messaging, voice, processors."""
