namespace PeerMesh.EndToEnd.Tests.Netns;

/// <summary>
/// A python stand-in for peermesh that speaks the CLI contract (up, status --json, down) and "discovers" peers
/// through a folder all hosts share, so the scenario harness can be tested before the real executable exists.
/// </summary>
internal static class FakePeerMesh
{
    private const string Script = """"
"""A stand-in for peermesh that speaks the CLI contract, to test the scenario harness itself.

It finds peers through a folder shared by all hosts (no network): every `up` registers itself there, and
`status --json` lists the others as alive while their process runs, dead otherwise.
"""
import hashlib
import json
import os
import signal
import sys
import time


def state_paths(repo):
    root = os.path.dirname(os.path.dirname(os.path.abspath(repo)))
    registry = os.path.join(root, "fake-registry")
    os.makedirs(registry, exist_ok=True)
    return registry, os.path.join(repo, ".git", "fake-peermesh.json")


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def up(argv):
    repo = argv[0]
    options = dict(zip(argv[1::2], argv[2::2]))
    if "--exit-at-once" in argv:
        print("exiting at once", file=sys.stderr, flush=True)
        return 3
    registry, own = state_paths(repo)
    node = {
        "id": hashlib.sha256(os.path.abspath(repo).encode()).hexdigest()[:32],
        "name": options.get("--name", "node"),
        "address": options.get("--listen", ""),
        "gossipPort": 40000 + os.getpid() % 20000,
        "pid": os.getpid(),
    }
    for path in (own, os.path.join(registry, node["id"] + ".json")):
        with open(path + ".tmp", "w") as file:
            json.dump(node, file)
        os.replace(path + ".tmp", path)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print("up %s" % node["id"], flush=True)
    while not stop:
        time.sleep(0.05)
    print("down", flush=True)
    return 0


def status(argv):
    repo = [a for a in argv if a != "--json"][0]
    registry, own = state_paths(repo)
    try:
        with open(own) as file:
            me = json.load(file)
    except OSError:
        print("not running", file=sys.stderr)
        return 1
    if not alive(me["pid"]):
        print("not running", file=sys.stderr)
        return 1
    peers = []
    for name in sorted(os.listdir(registry)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(registry, name)) as file:
            other = json.load(file)
        if other["id"] == me["id"]:
            continue
        peers.append({
            "id": other["id"], "name": other["name"],
            "state": "alive" if alive(other["pid"]) else "dead",
            "address": "%s:%d" % (other["address"], other["gossipPort"]),
            "lastSeen": "2024-01-01T00:00:00Z", "foundBy": ["mdns"],
            "remotes": [{"repo": "r", "remote": other["name"], "lastFetch": None, "nextFetch": None, "branches": []}],
        })
    print(json.dumps({
        "version": 1,
        "node": {"id": me["id"], "name": me["name"], "gossipPort": me["gossipPort"]},
        "repos": [{"id": "r", "name": "repo", "url": "git://%s/" % me["address"]}],
        "peers": peers,
        "discovery": {"mdns": "ok"},
    }))
    return 0


def down(argv):
    _, own = state_paths(argv[0])
    with open(own) as file:
        os.kill(json.load(file)["pid"], signal.SIGTERM)
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] == "--help":
        print("Commands:\n  up\n  status\n  down")
        return 0
    return {"up": up, "status": status, "down": down}[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""";

    /// <summary>Writes the stub into <paramref name="directory"/> and returns the argv prefix that runs it.</summary>
    public static IReadOnlyList<string> Install(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "fake-peermesh.py");
        File.WriteAllText(path, Script);
        return [PeerMesh.TestSupport.Netns.CommandRunner.FindTool("python3"), path];
    }
}
