import type { Enrollment, PrismaClient } from '@prisma/client';

export class EnrollmentService {
  constructor(private readonly prisma: PrismaClient) {}

  async enroll(userId: string, courseId: string): Promise<Enrollment> {
    return this.prisma.enrollment.upsert({
      where: { userId_courseId: { userId, courseId } },
      update: {},
      create: { userId, courseId },
    });
  }

  /** Newest first, for the instructor's roster page. */
  async roster(courseId: string, cursor?: string): Promise<Enrollment[]> {
    return this.prisma.enrollment.findMany({
      where: { courseId },
      orderBy: { createdAt: 'desc' },
      take: 50,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
  }
}
