"""Streets, communities, grids and departments; grid QR links."""
