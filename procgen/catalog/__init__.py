"""Asset and block catalogs derived from ../shared/reference-data (ids, sizes, types)."""
