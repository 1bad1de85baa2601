import type { Contact, PrismaClient } from '@prisma/client';

export class ContactsService {
  constructor(private readonly prisma: PrismaClient) {}

  async search(accountId: string, q: string): Promise<Contact[]> {
    return this.prisma.contact.findMany({
      where: {
        accountId,
        OR: [
          { name: { contains: q, mode: 'insensitive' } },
          { email: { contains: q, mode: 'insensitive' } },
          { phone: { contains: q } },
        ],
      },
      orderBy: { name: 'asc' },
      take: 25,
    });
  }

  async updatePhone(accountId: string, contactId: string, phone: string): Promise<void> {
    await this.prisma.contact.updateMany({ where: { id: contactId, accountId }, data: { phone } });
  }
}
