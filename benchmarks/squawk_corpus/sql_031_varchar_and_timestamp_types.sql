CREATE TABLE newsletter_signups (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL,
    country char(2),
    signed_up_at timestamp NOT NULL DEFAULT now()
);
