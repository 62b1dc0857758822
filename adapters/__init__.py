"""Platform adapters: each turns a platform into core events and performs core actions."""
