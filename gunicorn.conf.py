"""gunicorn settings read from the project root (gunicorn looks for ./gunicorn.conf.py).

Only what the application needs; workers, binding and log files stay on the command line.
"""

# Whole-network exports (GraphML/GEXF of 100,000 actors) stream for up to a few minutes.
timeout = 300


def on_starting(server):
    # Personal calendar feed addresses carry a secret token: keep it out of the access log.
    from knotenpunkt.core.logging import install_gunicorn_filter

    install_gunicorn_filter()
