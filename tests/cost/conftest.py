from collections.abc import Iterator

import pytest

from modelmux.cost import set_default_prices


@pytest.fixture(autouse=True)
def _bundled_default() -> Iterator[None]:
    """Every test starts and ends with the bundled prices as the default."""
    set_default_prices(None)
    yield
    set_default_prices(None)
