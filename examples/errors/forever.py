# Never ends: the run stage hits its time limit (TIME_LIMIT, exit code 124).
while True:
    pass
