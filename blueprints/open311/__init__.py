"""Open311 GeoReport v2: any standard client can list services, file and read grid reports."""
