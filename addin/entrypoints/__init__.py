"""Entry points: ribbon handlers, CLI commands, Lite scripts and demo steps. They call the shell, never a backend's write directly."""
