"""The ASGI entry point for servers: the app built from the environment's settings.

Building the app leaves about half a million objects that live as long as the process (the
pinyin dictionaries, the division codes, the translation catalogs, the routes and models). A
full garbage collection walks them all: about 230 ms here, often while the process held
SQLite's write gate, so every client of every worker waited (answers of ~260 ms a few times in
ten seconds under load). `gc.freeze()` moves them out of the collector's reach; full
collections then walk only what requests create."""

import gc

from fangkong.app import create_app
from fangkong.settings import Settings

app = create_app(Settings())
gc.freeze()
