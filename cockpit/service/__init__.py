"""The always-on service: the server's lifespan, background work, HTTP routes, sessions.

Layer 7 of the house (HOUSE.md): it starts the background work and serves the faces;
it imports the core, nothing in the core imports it (except the UI helper asking for the
server's connection).
"""
