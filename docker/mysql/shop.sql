-- The sample schema of the CDC pipeline (config-examples/mysql-cdc-to-bigquery).
CREATE DATABASE IF NOT EXISTS shop;
USE shop;
CREATE TABLE customers (
  id INT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  email VARCHAR(128),
  balance DECIMAL(10, 2) NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
);
CREATE TABLE orders (
  id BIGINT PRIMARY KEY AUTO_INCREMENT,
  customer_id INT NOT NULL,
  total DECIMAL(12, 2) NOT NULL,
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL
);
INSERT INTO customers (id, name, email, balance) VALUES
  (1, 'Ada', 'ada@example.com', 10.50), (2, 'Grace', NULL, 0.00), (3, 'Linus', 'linus@example.com', 99.99);
INSERT INTO orders (customer_id, total, status, created_at) VALUES
  (1, 25.00, 'paid', NOW(6)), (3, 7.50, 'open', NOW(6));
CREATE USER IF NOT EXISTS 'cloudbridge'@'%' IDENTIFIED BY 'cloudbridge-pw';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'cloudbridge'@'%';
FLUSH PRIVILEGES;
