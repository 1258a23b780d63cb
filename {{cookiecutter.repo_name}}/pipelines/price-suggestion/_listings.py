"""Synthetic marketplace listings for the price-suggestion pipelines (a helper, not a pipeline).

The example must run anywhere, CI and laptops without credentials included, so its data is
generated inside the pipeline instead of downloaded. Replace ``make_listings`` with a component
that reads your real data (or a ``dsl.importer`` of a CSV) and keep the column names below.

The price is a known function of the columns plus noise (about 5 currency units), so a linear
baseline should reach an RMSE near 5: a far worse number means something broke.
"""

from kfp import dsl
from kfp.dsl import Dataset, Output

from {{ cookiecutter.package_name }}.images import (
    BASE_IMAGE,
    PACKAGES,
)

TARGET_COLUMN = "price"
NUMERIC_COLUMNS = ["condition", "age_months", "shipping_included"]
CATEGORICAL_COLUMNS = ["category", "brand"]
CATEGORIES = ["Sneakers", "Trading Cards", "Electronics", "Apparel"]


@dsl.component(base_image=BASE_IMAGE, packages_to_install=PACKAGES)
def make_listings(
    listings: Output[Dataset],
    rows: int = 500,
    seed: int = 7,
    category: str = "",
    with_price: bool = True,
):
    """Generate listings: title, category, brand, condition (1 worn .. 5 new), age in months,
    shipping included (0/1) and, when ``with_price``, the price the item sold for.

    Args:
        listings: the CSV dataset.
        rows: how many listings.
        seed: the random seed (the same seed gives the same file).
        category: only this category (one of the four below); empty for all of them.
        with_price: False leaves out the price, as for new listings waiting for a suggestion.
    """
    import csv
    import random

    base_price = {"Sneakers": 80.0, "Trading Cards": 25.0, "Electronics": 150.0, "Apparel": 35.0}
    brand_premium = {"Acme": 30.0, "Globex": 15.0, "Initech": 5.0, "Unbranded": 0.0}
    condition_words = {1: "worn", 2: "used", 3: "good", 4: "like new", 5: "new"}
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    if category and category not in base_price:
        raise ValueError(f"unknown category {category!r}; use one of {', '.join(base_price)}")
    generator = random.Random(seed)
    columns = ["title", "category", "brand", "condition", "age_months", "shipping_included"]
    with open(listings.path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([*columns, "price"] if with_price else columns)
        for _ in range(rows):
            kind = category or generator.choice(list(base_price))
            brand = generator.choice(list(brand_premium))
            condition = generator.randint(1, 5)
            age = generator.randint(0, 60)
            shipping = generator.randint(0, 1)
            title = f"{brand} {kind.lower()}, {condition_words[condition]}"
            row = [title, kind, brand, condition, age, shipping]
            if with_price:
                price = (
                    base_price[kind]
                    + brand_premium[brand]
                    + 8.0 * condition
                    - 0.4 * age
                    + 4.0 * shipping
                    + generator.gauss(0.0, 5.0)
                )
                row.append(f"{max(price, 1.0):.2f}")
            writer.writerow(row)
    listings.metadata["rows"] = rows
