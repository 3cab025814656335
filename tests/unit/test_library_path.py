"""The packaging_library_path lookup: files of the packaging-base role, never outside it."""

from __future__ import annotations

import packaging_library_path as plp
import pytest
from ansible.errors import AnsibleLookupError


def test_the_publisher_is_found():
    path = plp.LookupModule().run(["library/packaging_publish.py"])[0]
    assert path.endswith("/roles/packaging-base/library/packaging_publish.py")


@pytest.mark.parametrize("term", ["../fetch-distgit/tasks/main.yaml", "/etc/passwd",
                                  "library/../../fetch-distgit/README.rst", "library/none.py"])
def test_paths_outside_the_role_or_missing_fail(term):
    with pytest.raises(AnsibleLookupError, match="packaging_library_path: "):
        plp.library_path(term)
