"""The patient web app: server-rendered pages over the engine, NHS.UK frontend components."""
