"""The game's side of /admin and /metrics: a sampler of its statistics and the answers to the
portal's ``admin`` requests (docs/operating.md "Admin page", docs/design-notes.md issue 16)."""

from ember.game.admin._sampler import HISTORY, Sampler
from ember.game.admin._service import ADMIN_PERMISSIONS, AdminService

__all__ = ["ADMIN_PERMISSIONS", "HISTORY", "AdminService", "Sampler"]
