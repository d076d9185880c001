print("lart")
