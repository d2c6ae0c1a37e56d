"""Real-browser end-to-end tests: the app served by uvicorn, driven by Playwright + Chromium."""
