"""Origin–destination table travel times: parsing, cut-off and located errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.errors import InputError
from siting.travel.network import SitingWarning, reach_from_od_table

COMMS = ["C1", "C2", "C3"]
SPACES = ["S1", "S2"]


def od(**over) -> pd.DataFrame:
    df = pd.DataFrame({"community_id": ["C1", "C1", "C2", "C3"], "space_id": ["S1", "S2", "S2", "S1"],
                       "minutes": [4.0, 12.5, 0.0, 9.0]})
    for k, v in over.items():
        df[k] = v
    return df


def test_od_table_pairs_and_cut_off():
    t = reach_from_od_table(od(), COMMS, SPACES, 10.0)
    assert t.source == "od_table" and (t.n_communities, t.n_spaces) == (3, 2)
    assert list(zip(t.community, t.space, t.walk_min)) == [(0, 0, 4.0), (1, 1, 0.0), (2, 0, 9.0)]


def test_od_csv_file_with_integer_ids(tmp_path):
    path = tmp_path / "od.csv"
    path.write_text("community_id,space_id,minutes\n1,10,3\n2,10,7.5\n2,11,16\n")
    t = reach_from_od_table(path, [1, 2], [10, 11], 15.0)
    assert list(zip(t.community, t.space, t.walk_min)) == [(0, 0, 3.0), (1, 0, 7.5)]


@pytest.mark.parametrize(
    ("over", "row", "field", "match"),
    [
        ({"community_id": ["C1", "C9", "C2", "C3"]}, 2, "community_id", "unknown community id 'C9'"),
        ({"space_id": ["S1", "S2", "S2", "Sx"]}, 4, "space_id", "unknown space id 'Sx'"),
        ({"minutes": [4.0, -1.0, 0.0, 9.0]}, 2, "minutes", "negative"),
        ({"minutes": [4.0, 1.0, np.nan, 9.0]}, 3, "minutes", "missing"),
        ({"minutes": ["4", "1", "soon", "9"]}, 3, "minutes", "not a number"),
        ({"community_id": ["C1", None, "C2", "C3"]}, 2, "community_id", "missing"),
    ],
)
def test_od_errors_name_row_and_field(over, row, field, match):
    with pytest.raises(InputError, match=match) as err:
        reach_from_od_table(od(**over), COMMS, SPACES, 15.0)
    assert (err.value.location.row, err.value.location.field) == (row, field)


def test_od_csv_error_names_file_and_missing_column(tmp_path):
    path = tmp_path / "od.csv"
    path.write_text("community_id,space_id,minutes\nC1,S1,2\nC2,S1,-3\n")
    with pytest.raises(InputError) as err:
        reach_from_od_table(path, COMMS, SPACES, 15.0)
    assert err.value.location.file == str(path) and err.value.location.row == 2
    assert "od.csv, row 2, field 'minutes'" in str(err.value)
    path.write_text("community,space_id,minutes\nC1,S1,2\n")
    with pytest.raises(InputError, match="column missing") as err:
        reach_from_od_table(path, COMMS, SPACES, 15.0)
    assert err.value.location.field == "community_id"
    (tmp_path / "od.xlsx").write_text("")
    with pytest.raises(InputError, match="unsupported"):
        reach_from_od_table(tmp_path / "od.xlsx", COMMS, SPACES, 15.0)
    with pytest.raises(InputError, match="not found"):
        reach_from_od_table(tmp_path / "absent.csv", COMMS, SPACES, 15.0)


def test_od_warnings_duplicates_and_unreached():
    df = pd.concat([od(), pd.DataFrame({"community_id": ["C1"], "space_id": ["S1"], "minutes": [2.0]})])
    with pytest.warns(SitingWarning) as rec:
        t = reach_from_od_table(df, COMMS, SPACES, 5.0)
    text = " | ".join(str(r.message) for r in rec)
    assert "(C1, S1)" in text and "shortest" in text
    assert "reach no space within 5 min: C3" in text
    assert list(zip(t.community, t.space, t.walk_min)) == [(0, 0, 2.0), (1, 1, 0.0)]


def test_od_parquet_unreadable_is_an_input_error(tmp_path):
    path = tmp_path / "od.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(InputError) as err:  # no pyarrow -> says so; with pyarrow -> cannot read
        reach_from_od_table(path, COMMS, SPACES, 15.0)
    assert err.value.location.file == str(path)
