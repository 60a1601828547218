"""The IVR's shared package: core, the feature packages (the domain), channels, adapters, wiring."""
