"""The DynamoDB side: PynamoDB models and the stores that map items to domain objects."""
