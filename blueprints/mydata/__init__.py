"""A resident's rights over their own data (个人信息保护法): see it, download it, correct it,
delete the account; and the retention rules that anonymise closed cases in time."""
