"""The public-welfare bank (公益银行): catalogue, donations and two-phase redemption."""
