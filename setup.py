"""The Streamlit entry and pages live in app/ (pages stay apart from the core); installed,
they become the package ``cockpit_app`` so a built wheel can serve, not only a checkout."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["cockpit", "cockpit.*"]) + ["cockpit_app", "cockpit_app.views"],
    package_dir={"cockpit_app": "app"},
    package_data={"cockpit_app": ["*.py", "*.png", "views/*.py"]},
)
