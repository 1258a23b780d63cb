SELECT listing_id, price FROM listings WHERE day = CURRENT_DATE
