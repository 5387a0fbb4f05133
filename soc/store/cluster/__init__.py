"""The cluster store: events and state in Elasticsearch 8/9 or OpenSearch 2.x, behind ``soc.store.contract``.

Never prints or logs a credential; never changes a stored event (ids are deterministic, writes are ``create``).
"""
