"""The ASGI entry point for servers: the app built from the environment's settings."""

from fangkong.app import create_app
from fangkong.settings import Settings

app = create_app(Settings())
