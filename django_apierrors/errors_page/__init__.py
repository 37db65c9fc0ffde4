"""The errors reference page, generated from the catalog: its builder (`page`), template,
JSON Schema (`schema.json`), view (`views`, mounted by `django_apierrors.urls`) and the
`apierrors_docs` command (`command`)."""
