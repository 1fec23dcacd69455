//! Configuration: the environment read once, resolved into typed, validated settings.
