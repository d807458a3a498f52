"""Grid reporting. The foundation holds its categories; the loop itself comes next."""
