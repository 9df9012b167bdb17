from tests.support.http import auth
from tests.support.store import positions


def test_health_and_roster(client, services):
    assert client.get("/health").json()["status"] == "ok"
    r = client.get("/roster", headers=auth("p-mayor"))
    assert r.status_code == 200
    assert positions(services) == r.json()["position"]
