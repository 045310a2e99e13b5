"""What the tests share, one job a module: windows, endpoints, databases, apps, SQL, servers."""
