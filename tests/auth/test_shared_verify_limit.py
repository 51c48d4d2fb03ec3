"""The public certificate verify limit counts in the shared storage too."""


def test_verify_limit_is_counted_across_two_app_instances(twin_apps):
    for each in twin_apps:
        each.config["RATELIMIT_ENABLED"] = True
        limiter, _limit = each.extensions["certificate_ratelimit"]
        from limits import parse

        each.extensions["certificate_ratelimit"] = (limiter, parse("3/hour"))
    a, b = (each.test_client() for each in twin_apps)
    answers = [client.get("/api/v1/verify/NO-SUCH-CODE").status_code for client in (a, b, a, b)]
    assert answers[:3] == [404, 404, 404]
    assert answers[3] == 429
    pages = [client.get("/verify/NO-SUCH-CODE").status_code for client in (b, a, b, a)]
    assert pages == [404, 404, 404, 429]
