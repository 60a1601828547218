"""DynamoDB: PynamoDB models and stores; ClientError becomes a domain error here."""
