"""The commented starter project file written by ``cxcore init``."""

STARTER_CONFIG = """\
# cxcore project file. Reference: docs/configuration.md
# Every key is checked against schemas/project-config.json; errors name the key path.

[project]
name = "my-cx-project"
timezone = "UTC"            # IANA zone used for day/week/month grains

# The journey: who (segments), when (ordered stages), where (channels, touchpoints).
[journey]
id = "customer"
name = "Customer journey"
importance_scale = { min = 1, max = 5 }   # scale of touchpoint importance below

[[journey.segments]]
id = "consumer"
label = "Consumers"

[[journey.segments]]
id = "business"
label = "Business customers"

# Stages are ordered: the first listed comes first in the journey.
[[journey.stages]]
id = "discover"
[[journey.stages]]
id = "buy"
[[journey.stages]]
id = "onboard"
[[journey.stages]]
id = "support"
[[journey.stages]]
id = "renew"

[[journey.channels]]
id = "web"
[[journey.channels]]
id = "email"
[[journey.channels]]
id = "phone"
[[journey.channels]]
id = "chat"

# A touchpoint is a stage x channel, with the team in charge and how much it matters.
[[journey.touchpoints]]
stage = "support"
channel = "phone"
owner_team = "Customer care"
importance = 5
moment_of_truth = true      # can turn a loyal customer into a lost one
pillars = ["resolution", "empathy"]
target = 80                 # performance target, 0-100

[[journey.touchpoints]]
stage = "buy"
channel = "web"
owner_team = "E-commerce"
importance = 4

# Where records are stored. The default is an embedded DuckDB file (no server).
[store]
plugin = "duckdb"
path = ".cxcore/store.duckdb"

# Sources: a plugin name and its settings. Secrets are environment-variable references,
# never written here: token = { env = "ZENDESK_TOKEN" }.
[sources.exports]
plugin = "file"
settings = { paths = ["data/responses.jsonl"] }

# [sources.helpdesk]
# plugin = "zendesk"
# settings = { subdomain = "acme", email = "agent@acme.example", token = { env = "ZENDESK_TOKEN" } }

# How source values map onto the journey.
[mapping.channels]
web_widget = "chat"
voice = "phone"

[mapping.stages]
customer = "renew"

# [plugins]
# disable = ["some-plugin"]   # same as CXCORE_DISABLE_PLUGINS=some-plugin
"""
